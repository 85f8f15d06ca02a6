"""My Account logins: authentication and the Flask-Login user loader."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from .extensions import db, login_manager
from .models import Account
from .passwords import verify_password


def authenticate(username: str, password: str) -> Optional[Account]:
    """The account for these credentials, or None; as slow for an unknown username."""
    account = db.session.scalar(select(Account).where(Account.username_key == username.casefold()))
    ok = verify_password(account.password_hash if account else None, password)
    return account if ok else None


@login_manager.user_loader
def load_account(account_id: str) -> Optional[Account]:
    """Flask-Login: the logged-in account from its id in the session."""
    return db.session.get(Account, int(account_id)) if account_id.isdigit() else None


def account_of(customer_id: int) -> Optional[Account]:
    """The My Account login of a customer."""
    return db.session.scalar(select(Account).where(Account.customer_id == customer_id))
