"""aiosmtpd's SMTP protocol over the in-memory transport (the conversation of the lite site)."""
from __future__ import annotations

import asyncio

import pytest

from smtplesson.server.memory import Conversation, Inbox

UNKNOWN = "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown"


async def _deliver(chat: Conversation, rcpts: list[str], body: str) -> list[int]:
    codes = [(await chat.open()).code, (await chat.send("EHLO laptop.example.org")).code,
             (await chat.send("MAIL FROM:<alice@example.org>")).code]
    codes += [(await chat.send(f"RCPT TO:<{r}>")).code for r in rcpts]
    codes.append((await chat.send("DATA")).code)
    if codes[-1] == 354:
        codes.append((await chat.send_message(body)).code)
    return codes


def test_a_whole_conversation_keeps_the_message_and_its_transcript():
    inbox = Inbox()
    chat = Conversation(inbox)

    async def run() -> list[int]:
        codes = await _deliver(chat, ["bob@example.net"], "Subject: hi\n\n.starts with a dot\nbye")
        bye = await chat.close()
        assert bye is not None and bye.code == 221
        return codes

    assert asyncio.run(run()) == [220, 250, 250, 250, 354, 250]
    assert chat.closed and chat.transcript.closed_by == "server"
    assert chat.transcript.codes == [220, 250, 250, 250, 354, 250, 221]
    assert chat.transcript.commands == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]
    assert chat.transcript.data_lines[-1] == "bye"
    [message] = inbox.messages
    assert message["Subject"] == "hi"
    assert message.get_content().splitlines() == [".starts with a dot", "bye"]  # dot-stuffing undone


def test_a_refused_recipient_gets_the_handlers_reply_and_data_then_needs_a_recipient():
    chat = Conversation(Inbox(refuse={"Nobody@Example.net": UNKNOWN}))

    async def run() -> list[int]:
        return await _deliver(chat, ["nobody@example.net"], "Subject: lost\n\nx")

    assert asyncio.run(run()) == [220, 250, 250, 550, 503]
    refused = chat.transcript.reply_to("RCPT")
    assert (refused.code, refused.enhanced) == (550, "5.1.1")
    assert str(chat.transcript.reply_to("DATA")) == "503 Error: need RCPT command"


def test_commands_before_open_and_after_the_server_closed_are_refused_clearly():
    chat = Conversation()

    async def run() -> None:
        with pytest.raises(RuntimeError, match="open"):
            await chat.send("EHLO x")
        await chat.open()
        await chat.send("QUIT")
        await asyncio.sleep(0)
        with pytest.raises(ConnectionResetError):
            await chat.send("NOOP")
        assert await chat.close() is None

    asyncio.run(run())
    assert chat.transcript.codes == [220, 221]
