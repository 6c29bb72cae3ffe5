"""The OneLogin -> SOE push: the SCIM JSON template rendered per user, and the provisioner that
calls the SOE SCIM API when the tenant changes."""
