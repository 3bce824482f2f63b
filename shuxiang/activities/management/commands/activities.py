"""``shuxiang activities findings|void|shortlist|rebuild SLUG``: campaign work from the shell."""

from __future__ import annotations

from shuxiang.activities import fraud, judging, queries
from shuxiang.activities.boards import board
from shuxiang.core.commands import ActionCommand
from shuxiang.core.http import ascii_int


class Command(ActionCommand):
    help = "Like-farming findings, voiding, shortlists and leaderboard rebuilds of a campaign."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=["findings", "void", "restore", "shortlist", "rebuild"]
        )
        parser.add_argument("slug", help="The campaign's short name.")
        parser.add_argument("--accounts", default="", help="void/restore: ids, comma-separated.")
        parser.add_argument("--reason", default="", help="void/restore: why (shown to staff).")
        self.add_actor_argument(parser)

    def do_findings(self, actor, *, slug, **_):
        for finding in fraud.detect(queries.campaign(slug), by=actor):
            windows = ", ".join(f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" for a, b in finding.windows)
            self.stdout.write(
                f"{finding.kind}: {finding.detail}; accounts {finding.accounts}; "
                f"works {finding.works}; {windows}"
            )

    def _accounts(self, raw: str) -> list[int]:
        return [n for n in (ascii_int(part.strip()) for part in raw.split(",")) if n]

    def do_void(self, actor, *, slug, accounts, reason, **_):
        count = fraud.void_likes(
            queries.campaign(slug), self._accounts(accounts), reason=reason, by=actor
        )
        self.stdout.write(f"{count} likes voided")

    def do_restore(self, actor, *, slug, accounts, reason, **_):
        count = fraud.void_likes(
            queries.campaign(slug), self._accounts(accounts), reason=reason, by=actor, undo=True
        )
        self.stdout.write(f"{count} likes restored")

    def do_shortlist(self, actor, *, slug, **_):
        campaign = queries.campaign(slug)
        fraud.require_staff(actor, campaign, "draw the shortlist of")
        self.stdout.write(f"{judging.draw_shortlist(campaign, redraw=True)} works shortlisted")

    def do_rebuild(self, actor, *, slug, **_):
        campaign = queries.campaign(slug)
        fraud.require_staff(actor, campaign, "rebuild the leaderboards of")
        board().rebuild(campaign.pk)
        self.stdout.write("leaderboards rebuilt")
