"""Open data: what the programme publishes as Open Contracting Data Standard (OCDS) 1.1.5 releases.

One contracting process (one `ocid`) per published order. Its releases, oldest first:
- `tender`: the order as published (`tender.status` active);
- `tenderAmendment`: each edit the buyer made after publication (`tender.amendments`);
- `tenderUpdate` / `tenderCancellation`: the order closed or expired (complete when a contract was
  signed on it, else unsuccessful), or was withdrawn (cancelled);
- `award` + `contract`: each contract signed on the order (both sides confirmed: `dateSigned`);
- `contractAmendment`: a change recorded on a signed contract (none of the platform's pages makes one yet);
- `contractTermination`: the contract completed, terminated early or cancelled after signing.

Only what is public: no draft, submitted or rejected posting, no pending contract, no person, e-mail
address or phone number (free text is scrubbed of the last two), no messages, no matches that did not
become contracts. See docs/notes-opendata.md for the mapping and its choices.

Entry points: `release_package` (one page, for the web API) and `write_release_package` (a whole
export streamed to a file, for `qianfan export ocds`).
"""

from qianfan.opendata.package import (
    Publisher,
    parse_since,
    release_package,
    write_release_package,
)

__all__ = ["Publisher", "parse_since", "release_package", "write_release_package"]
