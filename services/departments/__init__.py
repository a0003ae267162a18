"""The department loop: what the centre sends the labour and justice bureaus about a
legal matter (the referral letter), and what comes back."""
