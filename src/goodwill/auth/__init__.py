"""Who is signed in: passwords, web sessions, API tokens, throttling and roles."""
