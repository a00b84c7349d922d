"""Who is told what: the bell, e-mail through the outbox, and what each notice says."""
