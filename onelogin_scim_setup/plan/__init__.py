"""The pure plan: desired vs current -> typed changes, manual steps, safety, budget estimate. No I/O."""
