// PacetopCore: cluster model, crm_mon parser, diff, actions.
