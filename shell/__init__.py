"""What wraps every page: the page script (shell/main.py) and the server's HTTP middleware."""
