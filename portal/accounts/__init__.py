"""People who sign in: passwords, login sessions, two-step sign-in, a forgotten password."""
