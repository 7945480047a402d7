"""Members: the people on the team who use Goodwill."""
