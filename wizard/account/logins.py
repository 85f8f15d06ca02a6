"""My Account logins: authentication and the Flask-Login user loader."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from wizard.admin import staff_accounts as staff
from wizard.admin.models import Staff
from wizard.core.extensions import db, login_manager
from wizard.core.passwords import hash_password, needs_rehash, verify_password
from wizard.core.sessions import in_admin

from .models import Account


def authenticate(username: str, password: str) -> Optional[Account]:
    """The account for these credentials, or None; as slow for an unknown username.

    A hash made with other argon2 parameters than the current ones is replaced on the spot,
    so changing ARGON2_* upgrades each stored hash at its owner's next sign-in.
    """
    account = db.session.scalar(select(Account).where(Account.username_key == username.casefold()))
    ok = verify_password(account.password_hash if account else None, password)
    if not ok:
        return None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        db.session.commit()
    return account


@login_manager.user_loader
def load_user(user_id: str) -> Optional[Account | Staff]:
    """Flask-Login: staff in the admin area (from its own cookie), customers everywhere else."""
    if in_admin():
        return staff.load(db.session, user_id.removeprefix("staff:")) if user_id.startswith("staff:") else None
    return db.session.get(Account, int(user_id)) if user_id.isdigit() else None


def account_of(customer_id: int) -> Optional[Account]:
    """The My Account login of a customer."""
    return db.session.scalar(select(Account).where(Account.customer_id == customer_id))
