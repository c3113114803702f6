"""Routing by licence: which regulated business a complaint concerns, and so which authority.

One payment app hides several licensed businesses (the wallet balance is a payment
institution's, the card behind it a bank's, a credit line a consumer-finance company's, the
goods a merchant's), each answerable to a different authority. Modules:
:mod:`~services.routing.rules` (the questions, the authorities and which kind of business goes
where, with the reason), :mod:`~services.routing.entities` (the licensed entities kept per
company, maintained on the command line) and :mod:`~services.routing.answers` (a member's
answers for one complaint, the proposal made from them, and the member's own windows).
"""
