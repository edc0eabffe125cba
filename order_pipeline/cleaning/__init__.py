"""Receiver data cleaning (decrypt, clean, validate, mask, hash): see contacts.py for the entry point.

The submodules are imported directly (`from order_pipeline.cleaning.contacts import ContactCleaner`); nothing
is re-exported here, so importing one piece does not load phonenumbers or the gazetteer for the others.
"""
