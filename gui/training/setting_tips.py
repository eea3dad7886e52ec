"""What every training setting does and what a sensible value is: the
tooltips of the settings form (plain text)."""
from __future__ import annotations

TIPS: dict[str, str] = {
    "recipe": "Ready-made runs with their expected time on a laptop. Editing any setting "
              "below makes it a custom run.",
    "full": "Train on every MNIST training image (60,000): the best accuracy; an epoch "
            "takes 10-30 s depending on the network.",
    "subset": "Train on a random part of the training images: quicker, a little less accurate.",
    "test": "Test images scored after each epoch. All 10,000 give the accuracy a saved model "
            "records; fewer make epochs quicker.",
    "current": "Continue from the weights the canvas uses now (fine-tuning): a few more "
               "epochs, often with a smaller learning rate.",
    "fresh": "Start from new random weights of the chosen network.",
    "preset": "The network: tiny trains in seconds; bench is a classic small CNN; playground "
              "is the bundled model's network (slowest, most accurate).",
    "epochs": "Passes over the training images. 1-3 for a demo, 5-20 for the best accuracy.",
    "batch": "Images per weight update. 64 is a good default; larger batches make fewer, "
             "smoother steps.",
    "optimizer": "How gradients change the weights: SGD with momentum (robust; learning rate "
                 "about 0.05) or Adam (adapts each weight's step; about 0.001).",
    "lr": "Size of each weight update. SGD: 0.01-0.1 (0.05 is a good start); Adam: "
          "0.0005-0.002. Too high and it stops learning, too low and it crawls.",
    "schedule": "How the learning rate changes over the run: cosine eases it to zero by the "
                "end (a good default), step divides it by 10 twice, constant keeps it.",
    "momentum": "SGD only: how much of the previous update carries on. 0.9 is standard; "
                "0 is plain SGD.",
    "weight_decay": "Pulls the weights a little towards zero at every step, against "
                    "overfitting. 0.0005 is a good default; 0 turns it off.",
    "seed": "Random seed of the weights, the shuffling and the augmentation: the same seed "
            "and settings give the same weights. Any number.",
    "augment": "Randomly shift, rotate, scale, shear and thicken every training image: a "
               "little slower to learn, but much better at reading hand drawings. On unless "
               "you only care about MNIST accuracy.",
    "advanced": "Show or hide the batch size, optimizer, learning rate, schedule, momentum, "
                "weight decay, seed and test-set size.",
}
