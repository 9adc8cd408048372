"""The bottom layer: the plan, its budget over time, periods and today. No I/O beyond reading plan.toml;
imports nothing of the project outside core/."""
