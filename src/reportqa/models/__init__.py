"""Embedding models: conversion of the bundled e5, the int8 ONNX copy, and the encoders that run them."""
