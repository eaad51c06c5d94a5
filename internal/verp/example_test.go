package verp_test

import (
	"fmt"

	"github.com/hikyaku/hikyaku/internal/verp"
)

func ExampleEncode() {
	key := []byte("0123456789abcdef0123456789abcdef") // the server's return-path secret
	id := "0100018f3e0d1c2a-6f1c2b7e-2f4d-4c59-9a55-0d3f3b8e2c11-000000"

	// MAIL FROM for the delivery to the message's fourth recipient:
	addr := verp.Encode(id, 3, "bounces.example.com", key)
	fmt.Println(addr)

	// A bounce comes back to it, maybe in upper case:
	gotID, index, ok := verp.Decode("B-AEAADDZ6BUOCU3Y4FN7C6TKMLGNFKDJ7HOHCYEI-3-XJGBCQ7R@bounces.example.com", key)
	fmt.Println(gotID == id, index, ok)

	// A forged one does not match:
	_, _, ok = verp.Decode("b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-4-xjgbcq7r@bounces.example.com", key)
	fmt.Println(ok)
	// Output:
	// b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-3-xjgbcq7r@bounces.example.com
	// true 3 true
	// false
}

func ExampleFeedbackID() {
	fmt.Println(verp.FeedbackID("us-east-1", "123456789012", "marketing"))
	// Output:
	// 1.us-east-1.CkTzqMm4itzVPKmfIcEkAXXgzrwdoZ/BFcPsL67EXEA=:hikyaku
}
