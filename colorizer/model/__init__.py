"""The network: VGG16 encoder, decoders, ab bins, precision, the weights folder and the Hub.

Importing this package loads no Keras: the modules that build models import it themselves.
"""
