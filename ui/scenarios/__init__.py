"""The Scenarios page's parts: drivers, results, saved scenarios, comparison and what-if tools."""
