"""Where the service's own pages live, for links handed to providers and people."""

from __future__ import annotations

from core.payments.model import PaymentId


class PageUrls:
    """The ReturnUrls port: the payment result page, with or without a cancellation."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")

    def success(self, payment_id: PaymentId) -> str:
        return f"{self.public_url}/pay/return/{payment_id}"

    def cancel(self, payment_id: PaymentId) -> str:
        return f"{self.public_url}/pay/return/{payment_id}?cancelled=1"
