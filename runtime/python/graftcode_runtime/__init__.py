"""graftcode runtime: the UGM, the Hypertube protocol and its adapters, clients and the gateway."""

__version__ = "0.1.0"
