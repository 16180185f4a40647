"""The learned ranker: features of a (query, candidate) pair, the models that score them, and training.

`features` turns pairs into a feature matrix (one column per named feature, each in a readable group);
`models` holds the scorers with one interface (`predict`, `contributions` grouped into the parts pages
show): a LightGBM lambdarank model read from a versioned model file, or a linear scorer with weights set
by hand where no labels exist; `training` fits a lambdarank model on labelled pairs.
"""
