"""The OneLogin SCIM JSON template: render it, lint it, and preview what SOE would receive.

OneLogin fills the template's placeholders with each user's values, then sends the JSON to SOE.
Two spellings exist (see README, "Templates"): `{$user.email}` is OneLogin's documented form
(syntax "onelogin"), `${user.email}` is the one in SOE's guide (syntax "dollar-brace").

A user's own Jinja2 template (`template.path`) is rendered with this context:

- `placeholder(source)`: the placeholder text for a source in the configured syntax, e.g.
  `placeholder("user.email")` gives `{$user.email}`. Write it as `{{ placeholder("user.email") | tojson }}`
  so the value is a quoted JSON string.
- `syntax`: "onelogin" or "dollar-brace".
- `user_type_source`, `department_source`, `title_source`: the source of each optional attribute
  (e.g. "user.custom_fields.userType", "user.department"), or none when the attribute is not sent
  (test with `{% if department_source %}`).

Sources are `user.<field>` (firstname, lastname, email, display_name, department, title, username),
`user.custom_fields.<shortname>` and `parameters.<name>`.
"""
