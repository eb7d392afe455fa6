"""Survival models: glmnet-equivalent Cox paths, the adaptive-lasso signature, Cox, KM."""
