"""What imports leave for staff to decide: new names proposed for companies already known (`renames`).

(Possible duplicate companies, the other half of the review queue, are in qianfan.merging.)
"""
