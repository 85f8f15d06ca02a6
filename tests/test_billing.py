"""The billing-submit module on its own: no Flask, statuses, outbox and the file drop."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

import billing
from billing import Status, can_transition
from billing.filedrop import FileDrop, write_atomically
from billing.models import Enrollment, OutboxItem, StatusChange
from billing.settings import BillingSettings

from .billing_fixtures import make_enrollment

SETTINGS = BillingSettings(backoff_base=30)


def test_billing_imports_without_flask():
    code = "import sys, billing, billing.filedrop; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_status_names_are_those_of_the_domain():
    assert Status.NEW == "New Enrollment Saved"
    assert Status.AWAITING_RESPONSE == "Submitted: Awaiting Response"
    assert Status.CONNECTION_ERROR == "Submission Not Sent: Connection Error"
    assert Status.ON_HOLD_QUOTE == "On Hold - Quote Request"
    assert len(Status) == 19


@pytest.mark.parametrize("old,new,ok", [
    (None, Status.NEW, True), (None, Status.ACCEPTED, False),
    (Status.NEW, Status.AWAITING_RESPONSE, True), (Status.AWAITING_RESPONSE, Status.ACCEPTED, True),
    (Status.ACCEPTED, Status.NEW, False), (Status.REJECTED, Status.NEW, True),
    (Status.ACCEPTED, Status.RENEWAL_PENDING, True), (Status.RENEWAL_PENDING, Status.RENEWED, True),
    (Status.CANCELLED, Status.NEW, False),
])
def test_transitions(old, new, ok):
    assert can_transition(old, new) is ok


def test_enqueue_records_new_status_and_outbox_row(store, cipher):
    with store() as s:
        make_enrollment(s, cipher)
        assert s.scalar(select(Enrollment.status)) == Status.NEW
        assert s.scalar(select(OutboxItem.sent_at)) is None
        assert [(h.from_status, h.to_status) for h in s.scalars(select(StatusChange))] == [(None, Status.NEW)]


def test_drain_drops_complete_xml_once_and_moves_status(store, cipher, tmp_path):
    with store() as s:
        for n in range(3):
            make_enrollment(s, cipher, n)
    drop = tmp_path / "drop"
    report = billing.drain(store, FileDrop(drop), cipher, SETTINGS)
    assert report.sent == 3
    files = sorted(p.name for p in drop.iterdir())
    assert files == ["EN-TEST0000.xml", "EN-TEST0001.xml", "EN-TEST0002.xml"]  # no temp files left
    doc = ET.parse(drop / "EN-TEST0001.xml").getroot()
    assert doc.findtext("Customer/LastName") == "Garza & Sons <x>"
    assert doc.findtext("Customer/IdentityValue") == "234567890"
    assert doc.findtext("Premise/EsiId") == "10443720001234567"
    assert doc.find("Consent/Statement").get("version") == "1"
    assert oct((drop / "EN-TEST0001.xml").stat().st_mode & 0o777) == "0o600"
    with store() as s:
        assert set(s.scalars(select(Enrollment.status))) == {Status.AWAITING_RESPONSE}
        status = billing.status_of(s, "EN-TEST0001")
        assert status.status is Status.AWAITING_RESPONSE
        assert [h.status for h in status.history] == [Status.NEW, Status.AWAITING_RESPONSE]
        assert billing.status_of(s, "EN-NOPE") is None
    assert billing.drain(store, FileDrop(drop), cipher, SETTINGS).sent == 0  # nothing sent twice


def test_unreachable_drop_folder_is_a_connection_error_and_retried_later(store, cipher, tmp_path):
    with store() as s:
        make_enrollment(s, cipher)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    report = billing.drain(store, FileDrop(blocker / "drop"), cipher, SETTINGS)
    assert report.failed == 1
    with store() as s:
        item = s.scalar(select(OutboxItem))
        assert s.scalar(select(Enrollment.status)) == Status.CONNECTION_ERROR
        assert item.sent_at is None and item.attempts == 1 and item.available_at > item.created_at


def test_claimed_row_is_not_sent_by_a_second_worker(store, cipher, tmp_path):
    from billing.outbox import claim_batch
    with store() as s:
        make_enrollment(s, cipher)
    assert len(claim_batch(store, 10, SETTINGS.lease).ids) == 1
    assert billing.drain(store, FileDrop(tmp_path / "drop"), cipher, SETTINGS).sent == 0


def test_settings_refuse_a_lease_that_a_call_to_the_billing_system_could_outlast():
    with pytest.raises(ValueError, match=r"BILLING_LEASE is 30 s but must be at least 3 x \(BILLING_CONNECT_TIMEOUT "
                                         r"\+ BILLING_READ_TIMEOUT\) = 39 s"):
        BillingSettings(lease=dt.timedelta(seconds=30))  # default timeouts: 3 s + 10 s
    with pytest.raises(ValueError, match="BILLING_LEASE is 1 s"):
        BillingSettings.from_mapping({"BILLING_LEASE": "1"})
    assert BillingSettings().lease == dt.timedelta(minutes=5)
    assert BillingSettings(lease=dt.timedelta(seconds=39)).lease.total_seconds() == 39
    short = BillingSettings.from_mapping({"BILLING_LEASE": "3", "BILLING_CONNECT_TIMEOUT": "0.5",
                                          "BILLING_READ_TIMEOUT": "0.5"})
    assert (short.lease.total_seconds(), short.connect_timeout, short.read_timeout) == (3, 0.5, 0.5)


def test_atomic_write_leaves_no_partial_file_on_failure(tmp_path):
    folder = tmp_path / "drop"
    write_atomically(folder, "a.xml", b"<a/>")
    with pytest.raises(TypeError):
        write_atomically(folder, "b.xml", object())  # type: ignore[arg-type]
    assert sorted(p.name for p in folder.iterdir()) == ["a.xml"]


def test_field_cipher_rotates_and_detects_tampering():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = billing.FieldCipher(old).encrypt("234567890")
    assert billing.FieldCipher(f"{new},{old}").decrypt(token) == "234567890"
    with pytest.raises(ValueError):
        billing.FieldCipher(new).decrypt(token)
