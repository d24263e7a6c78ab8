def ts:
  if . == null then null
  else capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2}) (?<t>[0-9]{2}:[0-9]{2}:[0-9]{2})(\\.(?<f>[0-9]+))?\\+00$")
    | "\(.d)T\(.t).\(((.f // "") + "000")[0:3])Z"
  end;
{
  identity: (.id | tostring),
  properties: ({
    email, name, plan, mrr, seats,
    signup_date: (if .signup_date == null then null else .signup_date + "T00:00:00.000Z" end),
    last_seen_at: (.last_seen_at | ts),
    is_active: (if .is_active == null then null elif .is_active then "true" else "false" end),
    country, notes
  } | with_entries(select(.value != null)))
}
