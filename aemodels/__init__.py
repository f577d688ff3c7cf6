"""aemodels: autoencoders on MNIST, from a tied linear AE (PCA) to VAEs, with a pretrained zoo."""

__version__ = "0.2.0"
from aemodels.checkpoints import CheckpointError, load_pretrained
from aemodels.corrupt import CORRUPTIONS, corrupt
from aemodels.data import DataError, load_digits, load_fashion_mnist, load_mnist
from aemodels.geometry import lerp, principal_angles, slerp
from aemodels.losses import gaussian_kl, importance_weighted_log_likelihood
from aemodels.models import MODELS, AEConfig, Autoencoder, build_model
from aemodels.pictures import PreparedSet, load_image_files, load_image_folder, load_image_zip
from aemodels.preprocess import ImageInputError, open_image, prepare_digit
from aemodels.zoo import ZOO, list_pretrained

__all__ = [
    "CORRUPTIONS",
    "MODELS",
    "ZOO",
    "AEConfig",
    "Autoencoder",
    "CheckpointError",
    "DataError",
    "ImageInputError",
    "PreparedSet",
    "build_model",
    "corrupt",
    "gaussian_kl",
    "importance_weighted_log_likelihood",
    "lerp",
    "list_pretrained",
    "load_digits",
    "load_fashion_mnist",
    "load_image_files",
    "load_image_folder",
    "load_image_zip",
    "load_mnist",
    "load_pretrained",
    "open_image",
    "prepare_digit",
    "principal_angles",
    "slerp",
]
