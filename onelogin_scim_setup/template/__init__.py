"""The OneLogin SCIM JSON template: render it (render, placeholders), lint it (lint), and preview what SOE would receive (preview)."""
