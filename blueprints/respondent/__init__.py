"""The company's respondents: the cases opened to their company, its answer, its offers."""
