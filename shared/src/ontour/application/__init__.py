"""What every service's use cases share: their refusals (:mod:`.errors`, pure, so a domain
may raise them too) and the unit of work that stores, audits and announces a change
together (:mod:`.unit_of_work`)."""
