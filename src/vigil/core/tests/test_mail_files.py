"""The embedded default's mail: one file per message under var/mail/ (core.mail_files)."""

from __future__ import annotations

from django.core.mail import EmailMessage, get_connection

BACKEND = "vigil.core.mail_files.EmailBackend"


def message(n: int) -> EmailMessage:
    return EmailMessage(subject=f"Check in {n}", body=f"Link {n}", from_email="vigil@localhost",
                        to=[f"person{n}@un.example"])


def test_each_message_of_one_opened_connection_has_its_own_file(tmp_path):
    connection = get_connection(BACKEND, file_path=str(tmp_path))
    connection.open()
    assert connection.send_messages([message(n) for n in range(200)]) == 200
    connection.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 200  # Django's file backend wrote them all into one file
    assert all(f.suffix == ".eml" for f in files)
    texts = [f.read_text() for f in files]
    assert sorted(t.count("To: ") for t in texts) == [1] * 200
    assert {f"person{n}@un.example" for n in range(200)} == {
        line.removeprefix("To: ") for t in texts for line in t.splitlines()
        if line.startswith("To: ")}


def test_messages_sent_one_by_one_in_the_same_second_do_not_share_a_file(tmp_path):
    for n in range(3):
        assert get_connection(BACKEND, file_path=str(tmp_path)).send_messages([message(n)]) == 1
    assert len(list(tmp_path.iterdir())) == 3


def test_nothing_to_send_writes_nothing(tmp_path):
    assert get_connection(BACKEND, file_path=str(tmp_path)).send_messages([]) == 0
    assert list(tmp_path.iterdir()) == []
