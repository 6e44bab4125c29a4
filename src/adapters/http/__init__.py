"""The HTTP adapter: Litestar controllers that translate HTTP into core commands and back."""
