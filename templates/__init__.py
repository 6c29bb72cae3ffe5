"""Data package: the Jinja2 templates the tool renders (shipped inside the wheel as package data)."""
