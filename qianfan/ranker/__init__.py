"""Training the order side's learned ranker (matcher.ranker) from labelled sets or the platform's outcomes,
and the commands that do it (`qianfan train`, `qianfan eval-split`)."""
