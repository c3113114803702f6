"""Reference data cases point at: companies, authorities and complaint categories.

- :mod:`.companies`: companies, their aliases and the review of proposed ones;
- :mod:`.company_names`: normalizing names so 支付寶, "Alipay " and ＡＬＩＰＡＹ meet;
- :mod:`.authorities`: the authorities that receive cases;
- :mod:`.categories`: the complaint categories every installation has.

Nothing is imported here: the evidence anonymizer's child process needs only
:mod:`.company_names` (folding traditional characters), and the other modules would bring
SQLAlchemy and the models along. Import the module you need.
"""
