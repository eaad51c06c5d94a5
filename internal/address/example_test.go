package address_test

import (
	"fmt"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
)

func ExampleParse() {
	a, err := address.Parse("山田 太郎 <taro@例え.jp>")
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Name)
	fmt.Println(a.String())
	fmt.Println(a.Header())

	_, err = address.Parse("taro@example.jp.")
	fmt.Println(fault.As(err).QueryCode(), fault.As(err).Message)
	// Output:
	// 山田 太郎
	// taro@xn--r8jz45g.jp
	// =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@xn--r8jz45g.jp>
	// InvalidParameterValue Domain ends with dot
}

func ExampleParseList() {
	list, err := address.ParseList(`undisclosed-recipients:;, "Doe, Jane" <jane@example.com>, ops@example.com`)
	if err != nil {
		panic(err)
	}
	for _, a := range list {
		fmt.Println(a.Header())
	}
	// Output:
	// "Doe, Jane" <jane@example.com>
	// ops@example.com
}
