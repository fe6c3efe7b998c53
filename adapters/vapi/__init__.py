"""Vapi (https://vapi.ai): the telephony provider's REST API and wire format."""
