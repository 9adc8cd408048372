"""Alerts at the edge: the check command (`python -m alerts.check`) and delivery to webhooks and e-mail.

The rules are models/alerts.py's; the alert log is data/alert_log.py's.
"""
