"""Today: each member's plan for the day, from the playbook and the scores."""
