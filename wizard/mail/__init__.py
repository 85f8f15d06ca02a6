"""Customer mail: an outbox written with what caused each message, delivered by a worker (files
in the embedded default, SMTP in production), messages built from templates at send time."""
