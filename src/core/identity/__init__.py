"""Identity: accounts (one per email and per verified phone), phone verification, sessions."""
