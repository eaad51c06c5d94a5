// Package osslrsa signs with RSA through the system's OpenSSL (libcrypto
// 3), loaded at run time with purego: no cgo, so hikyaku still builds and
// runs without a C toolchain, and falls back to Go's crypto/rsa where
// libcrypto is missing.
//
// Why: DKIM signs every message with RSA-2048, and Go's constant-time
// crypto/rsa takes about 0.9 ms per signature on the 2-core machines
// hikyaku is measured on, against about 0.27 ms for OpenSSL: at the
// throughput hikyaku aims for, signing alone took 40% of the CPU. Nothing
// in Go's ecosystem signs RSA faster without cgo.
//
// OpenSSL checks every CRT signature it makes before returning it
// (rsa_ossl_mod_exp verifies the result and recomputes without CRT when
// it does not match), which is what guards against fault attacks. On top
// of that, each key's first signatures and then one in every checkEvery
// are verified with Go's crypto/rsa (about 0.05 ms each), so a broken
// library or a wrong call (the ABI is not checked by a compiler here) is
// caught at once and signing falls back to Go for good.
package osslrsa

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
)

// EnvDisable, set to "0", keeps signing in Go's crypto/rsa.
const EnvDisable = "HIKYAKU_OPENSSL"

// Sampling of the Go checks: every one of a key's first checkFirst
// signatures, then one in checkEvery.
const (
	checkFirst = 16
	checkEvery = 64
)

// Constants from OpenSSL's headers.
const (
	evpPKEYRSA      = 6 // EVP_PKEY_RSA (NID_rsaEncryption)
	rsaPKCS1Padding = 1 // RSA_PKCS1_PADDING
)

var lib struct {
	once sync.Once
	err  error

	d2iPrivateKey   func(typ int32, a uintptr, pp unsafe.Pointer, length int64) uintptr
	pkeyFree        func(pkey uintptr)
	ctxNew          func(pkey, engine uintptr) uintptr
	ctxFree         func(ctx uintptr)
	signInit        func(ctx uintptr) int32
	setRSAPadding   func(ctx uintptr, pad int32) int32
	setSignatureMD  func(ctx, md uintptr) int32
	sha256          func() uintptr
	sign            func(ctx uintptr, sig unsafe.Pointer, siglen unsafe.Pointer, tbs unsafe.Pointer, tbslen uint64) int32
	errGetError     func() uint64
	errErrorStringN func(e uint64, buf unsafe.Pointer, n uint64)
	md              uintptr
}

// load opens libcrypto once.
func load() error {
	lib.once.Do(func() {
		if os.Getenv(EnvDisable) == "0" {
			lib.err = fmt.Errorf("disabled by %s=0", EnvDisable)
			return
		}
		var h uintptr
		for _, name := range []string{"libcrypto.so.3", "libcrypto.so"} {
			if h, lib.err = purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL); lib.err == nil {
				break
			}
		}
		if lib.err != nil {
			lib.err = fmt.Errorf("libcrypto 3 not found (install Debian's libssl3): %w", lib.err)
			return
		}
		defer func() {
			if r := recover(); r != nil {
				lib.err = fmt.Errorf("libcrypto lacks a function hikyaku needs (is it OpenSSL 3?): %v", r)
			}
		}()
		purego.RegisterLibFunc(&lib.d2iPrivateKey, h, "d2i_PrivateKey")
		purego.RegisterLibFunc(&lib.pkeyFree, h, "EVP_PKEY_free")
		purego.RegisterLibFunc(&lib.ctxNew, h, "EVP_PKEY_CTX_new")
		purego.RegisterLibFunc(&lib.ctxFree, h, "EVP_PKEY_CTX_free")
		purego.RegisterLibFunc(&lib.signInit, h, "EVP_PKEY_sign_init")
		purego.RegisterLibFunc(&lib.setRSAPadding, h, "EVP_PKEY_CTX_set_rsa_padding")
		purego.RegisterLibFunc(&lib.setSignatureMD, h, "EVP_PKEY_CTX_set_signature_md")
		purego.RegisterLibFunc(&lib.sha256, h, "EVP_sha256")
		purego.RegisterLibFunc(&lib.sign, h, "EVP_PKEY_sign")
		purego.RegisterLibFunc(&lib.errGetError, h, "ERR_get_error")
		purego.RegisterLibFunc(&lib.errErrorStringN, h, "ERR_error_string_n")
		lib.md = lib.sha256()
	})
	return lib.err
}

// Available reports whether OpenSSL signing can be used, and if not, why.
func Available() error { return load() }

// lastError drains OpenSSL's error queue into one message.
func lastError(what string) error {
	e := lib.errGetError()
	if e == 0 {
		return errors.New("osslrsa: " + what + " failed")
	}
	buf := make([]byte, 256)
	lib.errErrorStringN(e, unsafe.Pointer(&buf[0]), uint64(len(buf)))
	for lib.errGetError() != 0 {
	}
	n := 0
	for n < len(buf) && buf[n] != 0 {
		n++
	}
	return fmt.Errorf("osslrsa: %s: %s", what, buf[:n])
}

// Signer signs SHA-256 digests with PKCS #1 v1.5 through OpenSSL, checking
// each signature with Go; other hashes go to Go's crypto/rsa.
type Signer struct {
	priv *rsa.PrivateKey
	pkey uintptr
	// signed counts signatures, for sampling the checks; broken is set
	// when a check failed, and everything goes to Go from then on.
	signed atomic.Uint64
	broken atomic.Bool
	// ctxs are signing contexts ready for reuse: OpenSSL's are not safe
	// for concurrent use, and making one per signature costs.
	ctxs chan uintptr
}

// NewSigner returns an OpenSSL-backed signer for priv, or an error when
// OpenSSL cannot be used (the caller then signs with priv itself).
func NewSigner(priv *rsa.PrivateKey) (*Signer, error) {
	if err := load(); err != nil {
		return nil, err
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	var pin runtime.Pinner
	p := &der[0]
	pin.Pin(p)
	pp := new(*byte)
	*pp = p
	pin.Pin(pp)
	pkey := lib.d2iPrivateKey(evpPKEYRSA, 0, unsafe.Pointer(pp), int64(len(der)))
	pin.Unpin()
	clear(der)
	if pkey == 0 {
		return nil, lastError("load the private key")
	}
	s := &Signer{priv: priv, pkey: pkey, ctxs: make(chan uintptr, runtime.GOMAXPROCS(0)*2)}
	runtime.AddCleanup(s, func(c struct {
		pkey uintptr
		ctxs chan uintptr
	}) {
		for {
			select {
			case ctx := <-c.ctxs:
				lib.ctxFree(ctx)
			default:
				lib.pkeyFree(c.pkey)
				return
			}
		}
	}, struct {
		pkey uintptr
		ctxs chan uintptr
	}{pkey, s.ctxs})
	return s, nil
}

// Public returns the public key.
func (s *Signer) Public() crypto.PublicKey { return &s.priv.PublicKey }

// Sign signs digest. Only SHA-256 with PKCS #1 v1.5 goes to OpenSSL.
func (s *Signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss || opts.HashFunc() != crypto.SHA256 || len(digest) != 32 {
		return s.priv.Sign(rand, digest, opts)
	}
	if s.broken.Load() {
		return s.priv.Sign(rand, digest, opts)
	}
	sig, err := s.sign(digest)
	if n := s.signed.Add(1); err == nil && (n <= checkFirst || n%checkEvery == 0) {
		if err = rsa.VerifyPKCS1v15(&s.priv.PublicKey, crypto.SHA256, digest, sig); err != nil {
			s.broken.Store(true)
		}
	}
	if err != nil {
		return s.priv.Sign(rand, digest, opts)
	}
	return sig, nil
}

func (s *Signer) sign(digest []byte) ([]byte, error) {
	var ctx uintptr
	select {
	case ctx = <-s.ctxs:
	default:
		ctx = lib.ctxNew(s.pkey, 0)
		if ctx == 0 {
			return nil, lastError("new signing context")
		}
		if lib.signInit(ctx) <= 0 || lib.setRSAPadding(ctx, rsaPKCS1Padding) <= 0 || lib.setSignatureMD(ctx, lib.md) <= 0 {
			lib.ctxFree(ctx)
			return nil, lastError("set up the signing context")
		}
	}
	sig := make([]byte, s.priv.Size())
	n := uint64(len(sig))
	var pin runtime.Pinner
	pin.Pin(&sig[0])
	pin.Pin(&digest[0])
	pin.Pin(&n)
	ok := lib.sign(ctx, unsafe.Pointer(&sig[0]), unsafe.Pointer(&n), unsafe.Pointer(&digest[0]), uint64(len(digest)))
	pin.Unpin()
	if ok <= 0 {
		lib.ctxFree(ctx)
		return nil, lastError("sign")
	}
	select {
	case s.ctxs <- ctx:
	default:
		lib.ctxFree(ctx)
	}
	return sig[:n], nil
}
