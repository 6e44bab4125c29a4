"""Security adapters: argon2 password hashing, E.164 phone numbers, JWT access tokens."""
