"""The bottom layer: the plan, periods and today. No I/O beyond reading plan.toml; imports nothing of the project."""
