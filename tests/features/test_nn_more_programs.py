"""Two PyTorch tutorial programs, written once and run twice, with ``torch`` bound to PyTorch and
to dualad (the rename of API.md section 13): the DCGAN generator/discriminator pair and the
word-language-model ``TransformerEncoder``. PyTorch's initial weights are copied into dualad's
model by ``load_state_dict`` (of PyTorch's own state dict); a few training steps then give the
same losses to float32 rounding. Dropout is 0 (the random streams differ by design)."""
import math

import numpy as np
import pytest

import dualad

real_torch = pytest.importorskip("torch")


# --------------------------------------------------------------------- DCGAN (tutorial code)
def dcgan_losses(torch, real_images, noise, steps, state=None):
    nn, optim = torch.nn, torch.optim
    nz, ngf, ndf, nc = noise.shape[2], 8, 8, 1

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, input):
            return self.main(input)

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG, netD = Generator(), Discriminator()
    netG.apply(weights_init)
    netD.apply(weights_init)
    if state is not None:                   # PyTorch's weights, copied across
        netG.load_state_dict(state[0])
        netD.load_state_dict(state[1])
    criterion = nn.BCELoss()
    real_label, fake_label = 1., 0.
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    losses = []
    for i in range(steps):
        netD.zero_grad()
        real_cpu = torch.from_numpy(real_images[i])
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        fake = netG(torch.from_numpy(noise[i]))
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        losses.append((errD.item(), errG.item()))
    return losses, (netG.state_dict(), netD.state_dict())


def test_dcgan_trains_as_in_pytorch():
    rng = np.random.default_rng(0)
    steps, batch = 4, 6
    real = np.tanh(rng.standard_normal((steps, batch, 1, 16, 16))).astype(np.float32)
    noise = rng.standard_normal((steps, batch, 8, 1, 1)).astype(np.float32)
    real_torch.manual_seed(0)
    want, state = dcgan_losses(real_torch, real, noise, steps)
    real_torch.manual_seed(0)
    _, state = dcgan_losses(real_torch, real, noise, 0)     # the same initial weights again
    got, _ = dcgan_losses(dualad, real, noise, steps, state=state)
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-5)
    assert np.isfinite(got).all()


# ------------------------------------------------ Transformer language model (tutorial code)
def transformer_lm_losses(torch, data, steps, state=None):
    nn = torch.nn
    from_module = nn      # the tutorial imports these names from torch.nn
    TransformerEncoder, TransformerEncoderLayer = (from_module.TransformerEncoder,
                                                   from_module.TransformerEncoderLayer)

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer('pe', pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0)]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.5):
            super().__init__()
            self.model_type = 'Transformer'
            self.pos_encoder = PositionalEncoding(d_model, dropout, max_len=64)
            encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers,
                                                          enable_nested_tensor=False)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.linear.bias.data.zero_()
            self.linear.weight.data.uniform_(-initrange, initrange)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            output = self.transformer_encoder(src, src_mask)
            output = self.linear(output)
            return output

    ntokens, bptt = 20, 6
    model = TransformerModel(ntokens, 16, 2, 32, 2, dropout=0.0)
    if state is not None:
        model.load_state_dict(state)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    model.train()
    src_mask = nn.Transformer.generate_square_subsequent_mask(bptt)
    losses = []
    for i in range(steps):
        source = torch.from_numpy(data[i])
        inputs, targets = source[:bptt], source[1:bptt + 1].reshape(-1)
        output = model(inputs, src_mask)
        loss = criterion(output.view(-1, ntokens), targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses, model.state_dict()


def test_transformer_language_model_trains_as_in_pytorch():
    rng = np.random.default_rng(1)
    steps = 5
    data = rng.integers(0, 20, (steps, 7, 4)).astype(np.int64)
    real_torch.manual_seed(0)
    _, state = transformer_lm_losses(real_torch, data, 0)
    real_torch.manual_seed(0)
    want, _ = transformer_lm_losses(real_torch, data, steps)
    got, _ = transformer_lm_losses(dualad, data, steps, state=state)
    np.testing.assert_allclose(got, want, rtol=2e-5)
    assert np.isfinite(got).all()
