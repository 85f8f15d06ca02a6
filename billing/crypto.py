"""Encryption of the few fields that must never be stored in the clear (identity value, DOB)."""
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class FieldCipher:
    """Fernet (AES-128-CBC + HMAC) with key rotation: the first key encrypts, all decrypt."""

    def __init__(self, keys: str | list[str]):
        """Take one key or a list, newest first (comma-separated in configuration)."""
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("at least one field-encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, value: str) -> str:
        """Return the ciphertext of `value` as text."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Return the clear text of `token`; raise ValueError if it was tampered with."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("field could not be decrypted") from exc

    @staticmethod
    def generate_key() -> str:
        """A new random key, for first start and for rotation."""
        return Fernet.generate_key().decode()
