"""Phone numbers normalised to E.164 with `phonenumbers` (Google's libphonenumber)."""

from __future__ import annotations

import phonenumbers

from core.shared.errors import ValidationFailed


class LibPhoneNumbers:
    """Accepts local formats for `default_region` (8 999 ... in RU) and any +country number."""

    def __init__(self, default_region: str = "RU") -> None:
        self.default_region = default_region

    def normalise(self, raw: str) -> str:
        try:
            number = phonenumbers.parse(raw, self.default_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationFailed(
                "phone number is not valid; use international format, e.g. +79991234567",
                field="phone",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
