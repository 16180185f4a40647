"""The financing zone (金融服务专区): receivables financing on signed contracts, confirmed by the buyer.

- `applications`: who sees an application, the small firm's moves (apply, answer, accept, withdraw) and the
  buyer's confirmation (确权) or dispute;
- `lending`: the institution's moves (offer, decline, ask for more, record the money paid and repaid);
- `facts`: what a lender reads: the contract's facts and the firm's history on the platform;
- `institutions`: staff create institutions (companies of kind "financial") and their users;
- `events`: who is told of each step (qianfan.notify);
- `demo`: institutions and applications at every stage for `qianfan demo`.

Services flush, the caller commits; every status change goes through models.lifecycle.transition.
"""

from decimal import Decimal

from qianfan.config import DEFAULTS

# The seed: "金额根据交易合同最高单笔可以达到3000万元"; the setting FINANCING_MAX_PER_CONTRACT (default here).
DEFAULT_MAX_PER_CONTRACT = Decimal(DEFAULTS["FINANCING_MAX_PER_CONTRACT"])
# The seed's target: "从申请到放款最快48小时".
TARGET_HOURS = 48
