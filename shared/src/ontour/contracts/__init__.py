"""Event contracts, one module per producing service.

Rules (enforced by ``shared/tests/test_contracts.py``):
- past-tense names, a version in every type;
- every field has a description (it flows into AsyncAPI), every contract an example;
- no personal data: ids, codes, categories, counts and times only. A free-text or contact
  field fails the test unless it is on the reviewed allow-list there.
"""

from ontour.contracts import aftercare, intake, scheduling

__all__ = ["aftercare", "intake", "scheduling"]
