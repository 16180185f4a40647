"""Accounts as a real service (issue 12, item 5): firms sign themselves up, staff verify them, users
reset a forgotten password by an e-mailed link, a company's admin invites colleagues.

- `signup`: `register_firm` (a company waiting for verification and its first user, its admin) and
  `verify_company` (staff: verify or reject with a reason); `ensure_may_post` (the check postings use);
- `tokens`: one-time e-mailed tokens: `start_password_reset` / `reset_password`, `invite` /
  `accept_invitation`.
The web pages (webapp.accounts) write the e-mails, in the reader's language, through qianfan.mail.
"""
