"""Admin: staff accounts. Create, change role, deactivate or reactivate, reset password, unlock.

The admin area never loses its last active admin, and an admin cannot deactivate themself.
Signing someone out everywhere is deleting their session rows, so it takes effect on their next
request. Audit values never hold a password or its hash.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, RadioField
from wtforms.validators import InputRequired

from wizard.core.dates import local_time
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options
from wizard.core.models import utcnow
from wizard.core.passwords import hash_password
from wizard.core.validators import PASSWORD_MIN, password_problem

from .fields import form_page, one_or_404, strip
from .guard import bp, record, requires, staff
from .models import ROLES, Staff
from .staff_accounts import StaffError, create_staff, end_all_sessions

ROLE_LABELS = {"marketing": "Marketing: plans, promos and the catalog",
               "operations": "Operations: the enrollment queue",
               "agent": "Agent: Quick Enrollment of customers on the phone",
               "admin": "Admin: staff accounts and everything else"}
PASSWORD_HINT = f"At least {PASSWORD_MIN} characters; a few unrelated words are strong and easy to pass on."


def _role_field() -> RadioField:
    return RadioField("Role", choices=options((r, ROLE_LABELS.get(r, r)) for r in ROLES),
                      validators=[InputRequired("Choose the staff member's role.")])


class NewStaffForm(SafeForm):
    """A new staff account."""

    email = EmailField("Email address", filters=[strip],
                       validators=[InputRequired("Enter the staff member's email address.")],
                       render_kw={"spellcheck": "false", "autocomplete": "off"})
    role = _role_field()
    password = PasswordField("Initial password", validators=[InputRequired("Enter an initial password.")],
                             description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})


class RoleForm(SafeForm):
    """Change a staff member's role."""

    role = _role_field()


class PasswordForm(SafeForm):
    """Set a new password for a staff member."""

    new_password = PasswordField("New password", validators=[InputRequired("Enter the new password.")],
                                 description=PASSWORD_HINT, render_kw={"autocomplete": "new-password"})


def status_of(member: Staff) -> dict[str, Any]:
    """What the audit log keeps of an account: never the password or its hash."""
    return {"email": member.email, "role": member.role, "active": member.active,
            "locked": is_locked(member), "failed_logins": member.failed_logins}


def is_locked(member: Staff) -> bool:
    """Whether too many failed sign-ins lock the account now."""
    return member.locked_until is not None and member.locked_until > utcnow()


@bp.get("/staff")
@requires("admin")
def staff_list() -> str:
    """Every staff account with its role, whether active or locked, and its last sign-in."""
    members = db.session.scalars(select(Staff).order_by(Staff.email)).all()
    return render_template("admin/staff/list.html", title="Staff", members=members, is_locked=is_locked,
                           local_time=local_time)


def _field_of(form: NewStaffForm, error: StaffError) -> Any:
    """The field a `create_staff` refusal is about."""
    text = str(error)
    if text.startswith(("Enter the staff member's email", "A staff account for")):
        return form.email
    return form.role if text.startswith("Choose a role") else form.password


@bp.route("/staff/new", methods=["GET", "POST"])
@requires("admin")
def staff_create() -> Response | tuple[str, int]:
    """Create an active staff account with an initial password to pass on to them."""
    form = NewStaffForm()
    if form.validate_on_submit():
        me = staff()
        try:
            member = create_staff(db.session, form.email.data, form.role.data, form.password.data,
                                  actor=me.email, actor_id=me.id)
        except StaffError as exc:
            db.session.rollback()
            _field_of(form, exc).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Created the {member.role} account {member.email}. Pass the password on to them "
                  "in person or by phone, not by email.", "success")
            return redirect(url_for("admin.staff_list"), 303)
    return form_page("admin/staff/new.html", form, title="Add a staff member")


def _member(staff_id: int, lock: bool = False) -> Staff:
    """The staff account `staff_id` (locked for the transaction when about to change it), or 404."""
    return one_or_404(select(Staff).where(Staff.id == staff_id), lock)


def _page(member: Staff, role_form: Optional[RoleForm] = None, password_form: Optional[PasswordForm] = None,
          status: int = 200) -> tuple[str, int]:
    role_form = role_form or RoleForm(formdata=None, role=member.role)
    return render_template("admin/staff/member.html", title=f"Staff: {member.email}", member=member,
                           role_form=role_form, password_form=password_form or PasswordForm(formdata=None),
                           locked=is_locked(member), is_me=member.id == staff().id,
                           local_time=local_time), status


@bp.get("/staff/<int:staff_id>")
@requires("admin")
def staff_member(staff_id: int) -> tuple[str, int]:
    """One account, with what an admin can do to it."""
    return _page(_member(staff_id))


def _last_admin(member: Staff) -> bool:
    """Whether `member` is the only active admin (the admin rows are locked until commit)."""
    admins = db.session.scalars(select(Staff.id).where(Staff.role == "admin", Staff.active)
                                .with_for_update()).all()
    return admins == [member.id]


def _refuse(member: Staff, message: str) -> Response:
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("admin.staff_member", staff_id=member.id), 303)


def _done(member: Staff, action: str, before: dict[str, Any], message: str) -> Response:
    record(action, "staff", str(member.id), before, status_of(member))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.staff_member", staff_id=member.id), 303)


@bp.post("/staff/<int:staff_id>/role")
@requires("admin")
def staff_role(staff_id: int) -> Response | tuple[str, int]:
    """Change the role; they are signed out everywhere and sign in again with the new role."""
    member = _member(staff_id, lock=True)
    form = RoleForm()
    if not form.validate_on_submit() or form.role.data not in ROLES:
        form.role.errors = form.role.errors or ["Choose one of the roles listed."]
        return _page(member, role_form=form, status=422)
    if form.role.data == member.role:
        flash(f"{member.email} already has the {member.role} role. Nothing was changed.", "success")
        return redirect(url_for("admin.staff_member", staff_id=member.id), 303)
    if member.role == "admin" and member.active and _last_admin(member):
        return _refuse(member, f"{member.email} is the only active admin. Make another staff member an admin "
                               "first, so that someone can always manage staff accounts.")
    before = status_of(member)
    member.role = form.role.data
    end_all_sessions(db.session, member.id)
    return _done(member, "change role", before, f"{member.email} now has the {member.role} role "
                                                "and was signed out everywhere.")


@bp.post("/staff/<int:staff_id>/deactivate")
@requires("admin")
def staff_deactivate(staff_id: int) -> Response:
    """Deactivate: they cannot sign in, and their open sessions stop working at once."""
    member = _member(staff_id, lock=True)
    if member.id == staff().id:
        return _refuse(member, "You cannot deactivate your own account. Ask another admin to do it.")
    if not member.active:
        return _refuse(member, f"{member.email} is already inactive.")
    if member.role == "admin" and _last_admin(member):
        return _refuse(member, f"{member.email} is the only active admin and cannot be deactivated.")
    before = status_of(member)
    member.active = False
    end_all_sessions(db.session, member.id)
    return _done(member, "deactivate", before, f"{member.email} is deactivated and was signed out everywhere.")


@bp.post("/staff/<int:staff_id>/reactivate")
@requires("admin")
def staff_reactivate(staff_id: int) -> Response:
    """Reactivate: they may sign in again with their password."""
    member = _member(staff_id, lock=True)
    if member.active:
        return _refuse(member, f"{member.email} is already active.")
    before = status_of(member)
    member.active = True
    return _done(member, "reactivate", before, f"{member.email} is active again and may sign in.")


@bp.post("/staff/<int:staff_id>/password")
@requires("admin")
def staff_password(staff_id: int) -> Response | tuple[str, int]:
    """Set a new password: the lock is cleared and they are signed out everywhere."""
    member = _member(staff_id, lock=True)
    form = PasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new_password.data, member.email)
        if problem is None:
            before = status_of(member)
            member.password_hash = hash_password(form.new_password.data)
            member.failed_logins, member.locked_until = 0, None
            end_all_sessions(db.session, member.id)
            after = {**status_of(member), "password": "reset"}  # nosec B105 # says it was reset, holds none
            record("reset password", "staff", str(member.id), before, after)
            db.session.commit()
            flash(f"{member.email} has a new password and was signed out everywhere. "
                  "Pass it on to them in person or by phone.", "success")
            return redirect(url_for("admin.staff_member", staff_id=member.id), 303)
        form.new_password.errors.append(problem)
    return _page(member, password_form=form, status=422)


@bp.post("/staff/<int:staff_id>/unlock")
@requires("admin")
def staff_unlock(staff_id: int) -> Response:
    """Clear failed sign-ins and the lock they caused."""
    member = _member(staff_id, lock=True)
    before = status_of(member)
    member.failed_logins, member.locked_until = 0, None
    return _done(member, "unlock", before, f"{member.email} is unlocked and may sign in again.")
