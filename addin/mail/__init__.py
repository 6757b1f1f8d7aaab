"""Mail: the office's mailbox and what kaohe sends. ``addresses`` and ``headers`` sit low
(intake reads senders with them); ``servers`` and ``outbox`` speak IMAP and SMTP; ``fetch``,
``replies`` and ``reminders`` sit above intake (they read its record)."""
