"""Every code has its own Swedish name, even where two vocabularies share a code."""
from vendor_registry import codes
from vendor_registry.labels import LABELS, label


def test_shared_codes_keep_their_own_names(app):
    with app.test_request_context():
        assert label(codes.ProviderKind.OTHER) == "Annan verksamhet"
        assert label(codes.LicenceKind.OTHER) == "Annat"
        assert label(codes.CheckType.IVO_REGISTER) == "IVO-register"
        assert label(codes.VerificationMethod.IVO_REGISTER) == "IVO:s register"
        assert label(codes.ProviderStatus.APPROVED) == "Godkänd"
        assert label(codes.CheckOutcome.PASS) == "Godkänd"


def test_every_code_of_every_vocabulary_has_a_label():
    vocabularies = [v for v in vars(codes).values() if isinstance(v, type) and issubclass(v, codes.StrEnum)
                    and v not in (codes.StrEnum, codes._Ranked)]
    missing = [f"{v.__name__}.{m.name}" for v in vocabularies for m in v if (v, m.value) not in LABELS]
    assert missing == []
